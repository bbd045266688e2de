// The seed's robot client (the seed document's "WebRTC Robot Client"), copied verbatim
// between the markers; only the two start-up lines at its end are replaced by the export,
// so tests run the seed's own code against the gateway. `require('wrtc')` resolves to
// npm @roamhq/wrtc (the maintained fork; tests map the name).
// ---- verbatim from the seed ----
// robot_webrtc_client.js - Node.js WebRTC client for robot
const io = require('socket.io-client');
const wrtc = require('wrtc');

class RobotWebRTCClient {
    constructor(signaling_url, robot_id) {
        this.signaling_url = signaling_url;
        this.robot_id = robot_id;
        this.peerConnections = new Map();
        this.socket = null;
    }
    
    async connect() {
        // Connect to signaling server
        this.socket = io(this.signaling_url);
        
        this.socket.on('connect', () => {
            console.log('🤖 Robot connected to signaling server');
            this.socket.emit('register', {
                userId: this.robot_id,
                userType: 'robot'
            });
        });
        
        this.socket.on('offer', async (data) => {
            console.log('📥 Received offer from viewer:', data.from);
            await this.handleOffer(data);
        });
        
        this.socket.on('ice-candidate', async (data) => {
            await this.handleIceCandidate(data);
        });
    }
    
    async handleOffer(data) {
        const { from, offer } = data;
        
        // Create new peer connection for this viewer
        const peerConnection = new wrtc.RTCPeerConnection({
            iceServers: [
                { urls: 'stun:stun.l.google.com:19302' }
            ]
        });
        
        this.peerConnections.set(from, peerConnection);
        
        // Add camera stream to peer connection
        const stream = await this.getCameraStream();
        stream.getTracks().forEach(track => {
            peerConnection.addTrack(track, stream);
        });
        
        // Handle ICE candidates
        peerConnection.onicecandidate = (event) => {
            if (event.candidate) {
                this.socket.emit('ice-candidate', {
                    to: from,
                    candidate: event.candidate
                });
            }
        };
        
        // Set remote description and create answer
        await peerConnection.setRemoteDescription(offer);
        const answer = await peerConnection.createAnswer();
        await peerConnection.setLocalDescription(answer);
        
        // Send answer back to viewer
        this.socket.emit('answer', {
            to: from,
            answer: answer
        });
    }
    
    async getCameraStream() {
        // In a real implementation, this would capture from Pi camera
        // For now, return a mock stream
        const canvas = new wrtc.nonstandard.RTCVideoSource();
        const track = canvas.createTrack();
        return new wrtc.MediaStream([track]);
    }
}

// ---- end of the seed's code ----
module.exports = { RobotWebRTCClient };
